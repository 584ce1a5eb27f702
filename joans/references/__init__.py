"""References: case studies of work Joans has done, and their images."""
