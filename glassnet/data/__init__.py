"""glassnet.data"""
