"""glassnet.train"""
