"""audiocraft-expotion: music that follows facial expressions and upper-body motion (Expotion, arXiv 2507.04955).

A plugin for audiocraft 1.3.0. Its ``config/`` and ``grids/`` folders live at the top of the
repository (the layout audiocraft users know) and are installed as ``audiocraft_expotion.config``
and ``audiocraft_expotion.grids`` by setup.py's package mapping (``pip install .`` and
``pip install -e .`` alike).
"""
__version__ = "0.1.0"
