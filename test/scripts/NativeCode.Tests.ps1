# The C# the host scripts load with Add-Type -Path: it compiles, defines what the scripts
# call, and uses only C# 5, what Windows PowerShell 5.1's Add-Type compiles with (the .NET
# Framework's csc); pwsh compiles newer C#, so that is checked with Roslyn here. On Windows
# the calls that change nothing run for real.
BeforeDiscovery {
    . (Join-Path $PSScriptRoot 'TestSupport.ps1')
    $onWindows = [System.Environment]::OSVersion.Platform -eq 'Win32NT'
    $onCore = $PSVersionTable.PSEdition -eq 'Core'
    $nativeCode = @(Get-ChildItem -LiteralPath $HostScriptsDir -Filter '*.cs' | ForEach-Object { @{ Name = $_.Name; Path = $_.FullName } })
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSupport.ps1')
    $AutologonCode = Join-Path $HostScriptsDir 'HpcFleet.Autologon.cs'
    $ProcessDumpCode = Join-Path $HostScriptsDir 'HpcFleet.ProcessDump.cs'
    # The C# 5 diagnostics Roslyn gives $Source.
    function Get-NewerThanCSharp5 {
        param([string] $Source)
        $options = [Microsoft.CodeAnalysis.CSharp.CSharpParseOptions]::Default.WithLanguageVersion(
            [Microsoft.CodeAnalysis.CSharp.LanguageVersion]::CSharp5)
        $tree = [Microsoft.CodeAnalysis.CSharp.CSharpSyntaxTree]::ParseText($Source, $options)
        $compilation = [Microsoft.CodeAnalysis.CSharp.CSharpCompilation]::Create('check', [Microsoft.CodeAnalysis.SyntaxTree[]]@($tree))
        return @($compilation.GetDiagnostics() | Where-Object { $_.GetMessage() -match 'not available in C# 5' } | ForEach-Object { $_.ToString() })
    }
}

Describe 'the host scripts'' C#' {
    It 'there is C# to check (the list below is not empty)' -ForEach @(@{ Count = $nativeCode.Count }) {
        $Count | Should -BeGreaterOrEqual 3
    }

    It '<Name> uses no C# newer than 5 (Windows PowerShell 5.1 compiles it)' -ForEach $nativeCode -Skip:(-not $onCore) {
        Get-NewerThanCSharp5 ([System.IO.File]::ReadAllText($Path)) | Should -BeNullOrEmpty
    }

    It 'the C# 5 check does find newer C# (so the test above can fail)' -Skip:(-not $onCore) {
        @(Get-NewerThanCSharp5 'class A { string B => $"x{1}"; }').Count | Should -Be 2
    }
}

Describe 'HpcFleet.Autologon.cs' {
    It 'compiles with Add-Type -Path and defines the types set-autologon.ps1 calls' {
        if (-not ('HpcFleet.LsaSecret' -as [type])) { Add-Type -Path $AutologonCode }
        [HpcFleet.LsaSecret].GetMethod('Store') | Should -Not -BeNullOrEmpty
        [HpcFleet.LsaSecret].GetMethod('Retrieve') | Should -Not -BeNullOrEmpty
        [HpcFleet.LocalLogon].GetMethod('Check').ReturnType | Should -Be ([int])
        [HpcFleet.LocalGroup].GetMethod('GetMemberSids').ReturnType | Should -Be ([string[]])
        [HpcFleet.AccountRights].GetMethod('Get').ReturnType | Should -Be ([string[]])
        [HpcFleet.AccountRights].GetMethod('Add') | Should -Not -BeNullOrEmpty
    }

    It 'lists the members of Administrators as SIDs' -Skip:(-not $onWindows) {
        if (-not ('HpcFleet.LocalGroup' -as [type])) { Add-Type -Path $AutologonCode }
        $members = @([HpcFleet.LocalGroup]::GetMemberSids('Administrators'))
        $members.Count | Should -BeGreaterThan 0
        $members | ForEach-Object { $_ | Should -Match '^S-1-' }
    }

    It 'says 1326 (wrong name or password) for an account that does not exist' -Skip:(-not $onWindows) {
        if (-not ('HpcFleet.LocalLogon' -as [type])) { Add-Type -Path $AutologonCode }
        [HpcFleet.LocalLogon]::Check('hpc-fleet-no-such-user', 'not-a-password') | Should -Be 1326
    }

    It 'lists the rights granted to Administrators themselves, the right to restart Windows among them' -Skip:(-not $onWindows) {
        if (-not ('HpcFleet.AccountRights' -as [type])) { Add-Type -Path $AutologonCode }
        @([HpcFleet.AccountRights]::Get('S-1-5-32-544')) | Should -Contain 'SeShutdownPrivilege'
    }
}

Describe 'HpcFleet.ProcessDump.cs' {
    It 'compiles with Add-Type -Path and defines what HpcFleet.psm1 calls' {
        if (-not ('HpcFleet.ProcessDump' -as [type])) { Add-Type -Path $ProcessDumpCode }
        [HpcFleet.ProcessDump].GetMethod('Write', [type[]]@([int], [string])) | Should -Not -BeNullOrEmpty
    }

    It 'writes a minidump of a running process of this account, and refuses a file that exists' -Skip:(-not $onWindows) {
        if (-not ('HpcFleet.ProcessDump' -as [type])) { Add-Type -Path $ProcessDumpCode }
        $process = Start-Process -FilePath "$env:SystemRoot\System32\ping.exe" -ArgumentList '-n', '60', '127.0.0.1' -WindowStyle Hidden -PassThru
        try {
            $path = Join-Path $TestDrive 'ping.dmp'
            [HpcFleet.ProcessDump]::Write($process.Id, $path)
            $bytes = [System.IO.File]::ReadAllBytes($path)
            # MINIDUMP_HEADER's Signature: "MDMP".
            [System.Text.Encoding]::ASCII.GetString($bytes, 0, 4) | Should -Be 'MDMP'
            { [HpcFleet.ProcessDump]::Write($process.Id, $path) } | Should -Throw
        } finally {
            Stop-Process -Id $process.Id -Force -ErrorAction SilentlyContinue
        }
    }
}
