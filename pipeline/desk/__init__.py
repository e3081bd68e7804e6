"""The editors' desk: review logic, the web app and the guards in front of it."""
