"""glassnet.cli"""
