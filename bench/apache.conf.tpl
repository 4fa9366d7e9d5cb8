# Apache httpd + mod_auth_openidc in front of the bench's static upstream (bench/gateway.bench.ts, key "apache").
# Debian: apt-get install apache2 libapache2-mod-auth-openidc. Logged in through the dev IdP; sessions are kept
# server-side (OIDCSessionType server-cache) in mod_auth_openidc's shared-memory cache. Shipped defaults otherwise.
ServerRoot "__DIR__"
ServerName localhost
PidFile "__DIR__/apache.pid"
DefaultRuntimeDir "__DIR__"
ErrorLog "__DIR__/apache-error.log"
LogLevel warn
Listen 127.0.0.1:__APACHE_PORT__
__USER__

LoadModule mpm_event_module /usr/lib/apache2/modules/mod_mpm_event.so
LoadModule authz_core_module /usr/lib/apache2/modules/mod_authz_core.so
LoadModule authz_user_module /usr/lib/apache2/modules/mod_authz_user.so
LoadModule authn_core_module /usr/lib/apache2/modules/mod_authn_core.so
LoadModule proxy_module /usr/lib/apache2/modules/mod_proxy.so
LoadModule proxy_http_module /usr/lib/apache2/modules/mod_proxy_http.so
LoadModule auth_openidc_module /usr/lib/apache2/modules/mod_auth_openidc.so

# event MPM: 2 processes like the 2 workers of the Node rows, with a thread for each of wrk's 64 connections in
# each (Debian's default of 25 threads per process closes keep-alive connections under this load: wrk counted
# read errors); keep-alive like the nginx rows (keepalive_requests 100000)
StartServers 2
ServerLimit 2
ThreadLimit 64
ThreadsPerChild 64
MinSpareThreads 64
MaxSpareThreads 128
MaxRequestWorkers 128
MaxConnectionsPerChild 0
KeepAlive On
MaxKeepAliveRequests 100000

OIDCProviderMetadataURL __ISSUER__/.well-known/openid-configuration
OIDCClientID __CLIENT_ID__
OIDCClientSecret __CLIENT_SECRET__
OIDCProviderTokenEndpointAuth client_secret_basic
OIDCRedirectURI http://localhost:__APACHE_PORT__/oidc/callback
OIDCCryptoPassphrase __PASSPHRASE__
OIDCScope "openid profile email"
OIDCPKCEMethod S256
OIDCSessionType server-cache
OIDCSessionInactivityTimeout 3600
OIDCCacheType shm
OIDCRemoteUserClaim preferred_username

<Location />
  AuthType openid-connect
  Require valid-user
</Location>

ProxyPass "/oidc/" "!"
ProxyPass "/" "http://127.0.0.1:__UPSTREAM_PORT__/"
