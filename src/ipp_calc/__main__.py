"""``python -m ipp_calc`` runs the same CLI as the ``ipp`` console script."""

from ipp_calc.cli import main

if __name__ == "__main__":
    main()
