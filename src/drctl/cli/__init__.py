"""click commands: parse flags, load the plan, call the engine, render. No boto3, no logic."""
