"""Data from files and packages: Natural Earth borders, GeoNames settlements, border files, zone files."""
