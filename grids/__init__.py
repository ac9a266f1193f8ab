"""Dora grids of audiocraft-expotion (installed as ``audiocraft_expotion.grids``)."""
