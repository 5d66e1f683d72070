"""Starting the dashboard: offline (python -m ui.server.serve), secured behind nginx with sign-in

(ui.server.secure, ui.server.front) or as several processes (ui.server.cluster).
"""
