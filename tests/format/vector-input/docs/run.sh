#!/bin/sh
echo unpacked
