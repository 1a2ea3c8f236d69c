/* placeholder: the offline worker comes next */
self.addEventListener("fetch", function () {});
