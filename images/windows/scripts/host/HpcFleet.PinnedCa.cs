// TLS trust for the host-manager's endpoint only, loaded by HpcFleet.psm1 with Add-Type -Path.
// The stack's private CA (its public PEM is in the host config) is never put in a
// certificate store: each request to the host-manager gets a validation callback that
// accepts a server certificate only when it names the host asked for, chains to that CA,
// and the request goes to the host-manager's host name. Every other TLS connection on the
// host keeps Windows' own trust, and the private CA means nothing to them.
// A compiled callback, not a script block: .NET may call it on a thread with no PowerShell
// runspace. C# 5 only: Windows PowerShell 5.1 compiles this with the .NET Framework's csc,
// which has no X509Chain CustomTrustStore (.NET 5), so the chain is built with the CA as
// an extra store and its root compared with the pinned CA. The PEM is read in PowerShell
// (ConvertFrom-HpcCertificatePem): pwsh's compiler takes .NET 9's obsolete certificate
// constructors for errors.
using System;
using System.Net;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace HpcFleet {
    public static class PinnedCa {
        // Whether the server's certificate, as TLS presented it, is one to trust: no error but
        // the chain's (Windows does not know the private CA), and a chain that ends at the
        // pinned CA. The host name check is TLS's own (RemoteCertificateNameMismatch).
        public static bool Accepts(X509Certificate2 ca, X509Certificate certificate, X509Chain presented, SslPolicyErrors errors) {
            if (ca == null || certificate == null) return false;
            if ((errors & ~SslPolicyErrors.RemoteCertificateChainErrors) != SslPolicyErrors.None) return false;
            using (X509Chain chain = new X509Chain()) {
                chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                chain.ChainPolicy.VerificationFlags = X509VerificationFlags.AllowUnknownCertificateAuthority;
                chain.ChainPolicy.ExtraStore.Add(ca);
                if (presented != null) {
                    foreach (X509ChainElement element in presented.ChainElements) {
                        chain.ChainPolicy.ExtraStore.Add(element.Certificate);
                    }
                }
                X509Certificate2 server = new X509Certificate2(certificate);
                if (!chain.Build(server)) return false;
                foreach (X509ChainStatus status in chain.ChainStatus) {
                    // UntrustedRoot is the private CA not being in Windows' store: expected.
                    if (status.Status != X509ChainStatusFlags.NoError && status.Status != X509ChainStatusFlags.UntrustedRoot) {
                        return false;
                    }
                }
                if (chain.ChainElements.Count < 2) return false;
                X509Certificate2 root = chain.ChainElements[chain.ChainElements.Count - 1].Certificate;
                return string.Equals(root.Thumbprint, ca.Thumbprint, StringComparison.OrdinalIgnoreCase);
            }
        }

        // The callback for requests to hostName: it refuses any other host (so a callback that
        // strayed onto another request trusts nothing) and defers to Accepts.
        public static RemoteCertificateValidationCallback For(X509Certificate2 ca, string hostName) {
            if (ca == null) throw new ArgumentNullException("ca");
            return delegate(object sender, X509Certificate certificate, X509Chain chain, SslPolicyErrors errors) {
                HttpWebRequest request = sender as HttpWebRequest;
                if (request == null || !string.Equals(request.RequestUri.Host, hostName, StringComparison.OrdinalIgnoreCase)) {
                    return false;
                }
                return Accepts(ca, certificate, chain, errors);
            };
        }
    }
}
