#!/bin/sh
echo traffic
