"""The ``creditline`` command: ``main.py`` knows every command by name, one module per area
defines them, ``common.py`` and ``output.py`` run a use case and print its answer."""
