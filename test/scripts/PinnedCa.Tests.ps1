# HpcFleet.PinnedCa.cs and Invoke-HpcHostManagerRequest: the host trusts the stack's private
# CA for the host-manager's host name only. The decision is tested on certificates made
# here (a pinned CA, another CA, servers for two names), and then over a real TLS handshake
# with a small server on the loopback, so the callback is shown to be the one HttpWebRequest
# calls (pwsh 7 here; Windows PowerShell 5.1 in the windows-2022 job). That it is C# 5 is checked
# with the others' in NativeCode.Tests.ps1.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSupport.ps1')
    Import-Module $ModulePath -Force
    Mock -ModuleName HpcFleet Write-Host {}
    $CodePath = Join-Path $HostScriptsDir 'HpcFleet.PinnedCa.cs'
    if (-not ('HpcFleet.PinnedCa' -as [type])) { Add-Type -Path $CodePath }

    $X509 = 'System.Security.Cryptography.X509Certificates'
    function New-TestCa {
        param([string] $Name)
        $key = [System.Security.Cryptography.RSA]::Create(2048)
        $request = New-Object "$X509.CertificateRequest"("CN=$Name", $key,
            [System.Security.Cryptography.HashAlgorithmName]::SHA256, [System.Security.Cryptography.RSASignaturePadding]::Pkcs1)
        $request.CertificateExtensions.Add((New-Object "$X509.X509BasicConstraintsExtension"($true, $false, 0, $true)))
        $request.CertificateExtensions.Add((New-Object "$X509.X509KeyUsageExtension"(
                    [System.Security.Cryptography.X509Certificates.X509KeyUsageFlags]'KeyCertSign, CrlSign', $true)))
        $now = [DateTimeOffset]::UtcNow
        return $request.CreateSelfSigned($now.AddDays(-1), $now.AddDays(30))
    }
    # A server certificate for $DnsName issued by $Issuer, with its private key (through a
    # PFX, which SslStream on Windows needs for a key made in memory).
    function New-TestServerCertificate {
        param([Parameter(Mandatory)] $Issuer, [Parameter(Mandatory)] [string] $DnsName)
        $key = [System.Security.Cryptography.RSA]::Create(2048)
        $request = New-Object "$X509.CertificateRequest"("CN=$DnsName", $key,
            [System.Security.Cryptography.HashAlgorithmName]::SHA256, [System.Security.Cryptography.RSASignaturePadding]::Pkcs1)
        $names = New-Object "$X509.SubjectAlternativeNameBuilder"
        $names.AddDnsName($DnsName)
        $request.CertificateExtensions.Add($names.Build())
        $usages = New-Object System.Security.Cryptography.OidCollection
        [void]$usages.Add((New-Object System.Security.Cryptography.Oid('1.3.6.1.5.5.7.3.1')))
        $request.CertificateExtensions.Add((New-Object "$X509.X509EnhancedKeyUsageExtension"($usages, $false)))
        $now = [DateTimeOffset]::UtcNow
        $serial = [byte[]](1..16 | ForEach-Object { Get-Random -Maximum 256 })
        $issued = $request.Create($Issuer, $now.AddDays(-1), $now.AddDays(10), $serial)
        $withKey = [System.Security.Cryptography.X509Certificates.RSACertificateExtensions]::CopyWithPrivateKey($issued, $key)
        return New-Object "$X509.X509Certificate2"(, $withKey.Export('Pfx'))
    }
    function ConvertTo-Pem {
        param([Parameter(Mandatory)] $Certificate)
        $base64 = [Convert]::ToBase64String($Certificate.RawData, 'InsertLineBreaks')
        return "-----BEGIN CERTIFICATE-----`n$base64`n-----END CERTIFICATE-----`n"
    }

    $PinnedCa = New-TestCa 'hpc-fleet test CA'
    $OtherCa = New-TestCa 'someone else''s CA'
    $PinnedPem = ConvertTo-Pem $PinnedCa
    $Pinned = ConvertFrom-HpcCertificatePem -Pem $PinnedPem
    $ForLocalhost = New-TestServerCertificate -Issuer $PinnedCa -DnsName 'localhost'
    $FromOtherCa = New-TestServerCertificate -Issuer $OtherCa -DnsName 'localhost'
    $ForOtherName = New-TestServerCertificate -Issuer $PinnedCa -DnsName 'other.hpc-fleet.internal'

}

Describe 'the pinned CA decision' {
    It 'reads the CA from the PEM in the host config' {
        $Pinned.Thumbprint | Should -Be $PinnedCa.Thumbprint
        { ConvertFrom-HpcCertificatePem -Pem 'not a certificate' } | Should -Throw '*not a PEM certificate*'
    }

    It 'accepts a server certificate the pinned CA issued, though Windows does not know the CA' {
        [HpcFleet.PinnedCa]::Accepts($Pinned, $ForLocalhost, $null, 'RemoteCertificateChainErrors') | Should -BeTrue
        [HpcFleet.PinnedCa]::Accepts($Pinned, $ForLocalhost, $null, 'None') | Should -BeTrue
    }

    It 'refuses a certificate another CA issued' {
        [HpcFleet.PinnedCa]::Accepts($Pinned, $FromOtherCa, $null, 'RemoteCertificateChainErrors') | Should -BeFalse
    }

    It 'refuses a certificate for another name, and no certificate at all' {
        [HpcFleet.PinnedCa]::Accepts($Pinned, $ForOtherName, $null, 'RemoteCertificateNameMismatch') | Should -BeFalse
        [HpcFleet.PinnedCa]::Accepts($Pinned, $null, $null, 'RemoteCertificateNotAvailable') | Should -BeFalse
    }

    It 'refuses the CA''s own certificate as a server''s' {
        [HpcFleet.PinnedCa]::Accepts($Pinned, $Pinned, $null, 'RemoteCertificateChainErrors') | Should -BeFalse
    }

    It 'trusts the CA for the host-manager''s host name only' {
        $callback = [HpcFleet.PinnedCa]::For($Pinned, 'host-manager.hpc-fleet.internal')
        $toHostManager = [System.Net.WebRequest]::Create('https://host-manager.hpc-fleet.internal:8080/rpc/v1/status')
        $elsewhere = [System.Net.WebRequest]::Create('https://mirrors.example.com/')
        $callback.Invoke($toHostManager, $ForLocalhost, $null, 'RemoteCertificateChainErrors') | Should -BeTrue
        $callback.Invoke($elsewhere, $ForLocalhost, $null, 'RemoteCertificateChainErrors') | Should -BeFalse
        $callback.Invoke($null, $ForLocalhost, $null, 'RemoteCertificateChainErrors') | Should -BeFalse
    }
}

Describe 'HTTPS to the host-manager over a real handshake' {
    BeforeAll {
        function Invoke-Against {
            param([Parameter(Mandatory)] $Certificate, [string] $HostName = 'localhost', [string] $Pem = $PinnedPem)
            $server = New-TestTlsServer -Certificate $Certificate -Body '{"ok":true}'
            try {
                $config = [pscustomobject]@{ hostManagerUrl = "https://${HostName}:$($server.Port)"; hostManagerCaCertPem = $Pem }
                return Invoke-HpcHostManagerRequest -Config $config -Method Post -Path '/rpc/v1/status' -Body '{}' -Credential 'hmh_x' -TimeoutSeconds 5
            } finally {
                $server.Dispose()
            }
        }
    }

    It 'gets an answer from a server whose certificate the pinned CA issued for that name' {
        Invoke-Against -Certificate $ForLocalhost | Should -Be '{"ok":true}'
    }

    It 'refuses a server whose certificate another CA issued' {
        { Invoke-Against -Certificate $FromOtherCa } | Should -Throw '*SSL*'
    }

    It 'refuses a server whose certificate names another host' {
        { Invoke-Against -Certificate $ForOtherName } | Should -Throw '*SSL*'
    }

    It 'refuses the right server when the host config pins another CA' {
        { Invoke-Against -Certificate $ForLocalhost -Pem (ConvertTo-Pem $OtherCa) } | Should -Throw '*SSL*'
    }

    It 'sends nothing over plain HTTP' {
        $config = [pscustomobject]@{ hostManagerUrl = 'http://localhost:8080'; hostManagerCaCertPem = $PinnedPem }
        { Invoke-HpcHostManagerRequest -Config $config -Method Post -Path '/rpc/v1/status' -Body '{}' -Credential 'hmh_x' } |
            Should -Throw '*must be https*'
    }
}
