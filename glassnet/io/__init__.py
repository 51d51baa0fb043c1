"""glassnet.io"""
