"""``python -m ideopolis``: the same as the ``ideopolis`` command."""

from ideopolis.cli import main

if __name__ == "__main__":
    main()
