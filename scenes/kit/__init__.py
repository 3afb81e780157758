"""The drawing kit every topic scene is built from: stage, widgets, palette."""
