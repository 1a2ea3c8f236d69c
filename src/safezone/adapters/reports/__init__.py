"""Pages and files for people: self-contained HTML maps and reports (inline SVG), their JSON and CSV."""
