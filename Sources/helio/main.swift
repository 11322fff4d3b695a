print("helio")
