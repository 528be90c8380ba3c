"""The command line: a thin click layer that parses arguments and calls the library.

May import: every layer of the package; nothing imports it.
"""
