"""One module per step of the composite-indicator pipeline (OECD/JRC Handbook; COINr's verbs).

``denominate -> impute -> screen -> treat -> normalise -> weights -> aggregate``; each module holds pure
functions over DataFrames and a registry that chooses a method by name.
"""
