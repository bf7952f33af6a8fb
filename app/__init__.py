"""Intertrata: interoperability of RETA and SISTRA."""

__version__ = "0.1.0"
