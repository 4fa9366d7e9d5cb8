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
  # nginx + Airlock forward-auth (auth_request, docs/forward-auth.md): nginx carries the bytes, Airlock decides
  upstream airlock { server 127.0.0.1:__AIRLOCK_AUTHZ_PORT__; keepalive 128; }
  server {
    listen 127.0.0.1:__NGINX_AUTHZ_PORT__;
    include __ROOT__/examples/forward-auth/nginx-airlock.conf;
  }
}
