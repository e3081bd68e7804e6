"""Jinja2 templates for the review sheets and exports.

A team may edit these to change how sheets and citations look. This file only lets the installed
package find the folder (as ``pipeline.templates``); it holds no code.
"""
