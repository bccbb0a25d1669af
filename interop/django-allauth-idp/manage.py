#!/usr/bin/env python
"""Django's manage.py for the django-allauth identity provider interop project."""
import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "idpproject.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
