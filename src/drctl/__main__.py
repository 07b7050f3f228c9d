"""Allow ``python -m drctl``."""

from drctl.cli.main import main

if __name__ == "__main__":
    main()
