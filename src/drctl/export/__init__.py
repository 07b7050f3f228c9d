"""Other engines' forms of a plan's run: what drctl hands to a workflow service in AWS."""
