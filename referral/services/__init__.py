"""What the directory does. Services take the acting user and collaborators as arguments."""
