"""Understanding a message: normalize, tokenize, featurize, classify, train and evaluate."""
