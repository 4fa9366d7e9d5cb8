worker_processes 2;
daemon off;
pid __DIR__/nginx.pid;
error_log __DIR__/nginx-error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path __DIR__/tmp-body;
  proxy_temp_path __DIR__/tmp-proxy;
  fastcgi_temp_path __DIR__/tmp-fcgi;
  uwsgi_temp_path __DIR__/tmp-uwsgi;
  scgi_temp_path __DIR__/tmp-scgi;
  keepalive_requests 100000;
  upstream airflow { server 127.0.0.1:__UPSTREAM_PORT__; keepalive 128; }
  # the upstream: a static JSON answer, standing in for a fast Airflow endpoint
  server {
    listen 127.0.0.1:__UPSTREAM_PORT__;
    location / { default_type application/json; return 200 '{"dags":[{"dag_id":"example_etl","is_paused":false}],"total_entries":1}'; }
  }
  # nginx as a plain reverse proxy
  server {
    listen 127.0.0.1:__NGINX_PORT__;
    location / { proxy_pass http://airflow; proxy_http_version 1.1; proxy_set_header Connection ""; }
  }
  # nginx + auth_request to a Node service that answers 200 at once (bare-proxy.ts authz): the ceiling of any
  # forward-auth service written for Node, measured beside Airlock's
  upstream bareauthz { server 127.0.0.1:__BARE_AUTHZ_PORT__; keepalive 128; }
  server {
    listen 127.0.0.1:__NGINX_BARE_AUTHZ_PORT__;
    location = /_authz {
      internal;
      proxy_pass http://bareauthz/authz;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_pass_request_body off;
      proxy_set_header Content-Length "";
      proxy_set_header X-Original-URI $request_uri;
    }
    location / { auth_request /_authz; proxy_pass http://airflow; proxy_http_version 1.1; proxy_set_header Connection ""; }
  }
  # nginx + Airlock forward-auth (auth_request, docs/forward-auth.md): nginx carries the bytes, Airlock decides
  upstream airlock { server 127.0.0.1:__AIRLOCK_AUTHZ_PORT__; keepalive 128; }
  server {
    listen 127.0.0.1:__NGINX_AUTHZ_PORT__;
    include __ROOT__/examples/forward-auth/nginx-airlock.conf;
  }
}
