"""The pager: the controller's Alertmanager webhook receiver, and the pages it opened."""
