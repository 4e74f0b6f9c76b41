// A TLS server on the loopback for the Pester tests: it answers every request with one
// JSON body, counts the requests it served and keeps the last request's head, so a test
// can see what went over the wire. In C# so it serves on its own thread.
using System;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Threading;

namespace HpcFleetTest {
    public sealed class LoopbackTlsServer : IDisposable {
        private readonly TcpListener listener = new TcpListener(IPAddress.Loopback, 0);
        private readonly X509Certificate2 certificate;
        private readonly byte[] body;
        public int Port { get; private set; }
        public int Served;
        public volatile string Head = "";

        public LoopbackTlsServer(X509Certificate2 certificate, string responseBody) {
            this.certificate = certificate;
            body = Encoding.UTF8.GetBytes(responseBody);
            listener.Start();
            Port = ((IPEndPoint)listener.LocalEndpoint).Port;
            Thread thread = new Thread(Serve);
            thread.IsBackground = true;
            thread.Start();
        }

        private void Serve() {
            while (true) {
                TcpClient client;
                try { client = listener.AcceptTcpClient(); } catch { return; }
                try {
                    using (client)
                    using (SslStream tls = new SslStream(client.GetStream(), false)) {
                        tls.AuthenticateAsServer(certificate, false, SslProtocols.Tls12, false);
                        byte[] buffer = new byte[8192];
                        string head = "";
                        while (!head.Contains("\r\n\r\n")) {
                            int read = tls.Read(buffer, 0, buffer.Length);
                            if (read <= 0) break;
                            head += Encoding.ASCII.GetString(buffer, 0, read);
                        }
                        Head = head;
                        byte[] response = Encoding.ASCII.GetBytes("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n" +
                            "Content-Length: " + body.Length + "\r\nConnection: close\r\n\r\n");
                        tls.Write(response, 0, response.Length);
                        tls.Write(body, 0, body.Length);
                        Interlocked.Increment(ref Served);
                    }
                } catch {
                    // A refused handshake: the client hung up, as it should.
                }
            }
        }

        public void Dispose() { listener.Stop(); }
    }
}
