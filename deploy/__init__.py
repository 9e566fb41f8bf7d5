"""The school topology (cluster.py) and the helpers that start the app, PostgreSQL and Ray (launch.py)."""
