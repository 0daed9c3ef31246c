"""Output: escaping per medium, words for users, chart style → charts → exports, the template and the sample."""
