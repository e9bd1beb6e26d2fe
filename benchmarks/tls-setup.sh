# Sourced by tls.sh and tls-handshakes.sh (with $repo set): the release build, a self-signed
# P-256 certificate for 127.0.0.1 and an nginx configuration serving TLS + http2 on 18091
# with it, all under $work.
work=/tmp/peers/tls-bench; mkdir -p "$work/nginx"
"$repo/scripts/install-deps.sh" --bench >&2
swift build -c release --product orders >&2
if [ ! -f "$work/cert.pem" ]; then
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$work/key.pem" \
    -out "$work/cert.pem" -days 30 -subj "/CN=localhost" -addext "subjectAltName=IP:127.0.0.1" 2>/dev/null
fi
sed -e "s|listen 127.0.0.1:18081 backlog=4096;|listen 127.0.0.1:18091 ssl http2 backlog=4096;\n        ssl_certificate $work/cert.pem;\n        ssl_certificate_key $work/key.pem;\n        ssl_protocols TLSv1.2 TLSv1.3;|" \
    -e "s|/tmp/peers/nginx|$work/nginx|g" "$repo/../shared/peers/nginx/nginx.conf" > "$work/nginx.conf"
