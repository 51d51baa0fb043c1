"""glassnet.explain"""
