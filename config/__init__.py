"""The Hydra config tree of audiocraft-expotion (installed as ``audiocraft_expotion.config``)."""
