"""glassnet.optim"""
