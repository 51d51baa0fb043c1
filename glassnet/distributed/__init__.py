"""glassnet.distributed"""
