"""``python -m dnagan``."""

from dnagan.cli import main

if __name__ == "__main__":
    main()
