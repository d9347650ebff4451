"""A TLS server for TideHTTP's tests: it requires a client certificate
signed by the test CA and answers with the client's common name.

    tls-server.py DIR    (DIR holds ca.crt, server.crt, server.key); prints "port N"
"""
import http.server
import os
import ssl
import sys

directory = sys.argv[1]


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        subject = dict(item[0] for item in self.connection.getpeercert()["subject"])
        body = subject.get("commonName", "").encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
context.load_cert_chain(os.path.join(directory, "server.crt"), os.path.join(directory, "server.key"))
context.load_verify_locations(os.path.join(directory, "ca.crt"))
context.verify_mode = ssl.CERT_REQUIRED
server.socket = context.wrap_socket(server.socket, server_side=True)
print(f"port {server.server_address[1]}", flush=True)
server.serve_forever()
