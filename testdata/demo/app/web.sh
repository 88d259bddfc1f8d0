#!/bin/sh
# The demo app: its version and a health endpoint, served by busybox's httpd.
mkdir -p /tmp/www && echo ok >/tmp/www/healthz
echo "jobboard $(cat /usr/local/share/jobboard/VERSION) (built by glcd image build in a job pod)" >/tmp/www/index.html
trap 'exit 0' TERM
httpd -f -p 8080 -h /tmp/www &
wait
