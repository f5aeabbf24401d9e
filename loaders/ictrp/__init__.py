"""ictrp."""
