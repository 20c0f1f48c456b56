"""Only the optional native msm accelerator (cffi API mode); all metadata is in pyproject.toml."""

from setuptools import setup

setup(cffi_modules=["circuits/group/native/build.py:ffibuilder"])
