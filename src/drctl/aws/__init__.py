"""The service layer: the only package that calls boto3. One module per AWS concern."""
