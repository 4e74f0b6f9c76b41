# HpcFleet.Autologon.cs: it compiles (Add-Type -Path, as set-autologon.ps1 loads it) and
# uses only C# 5, what Windows PowerShell 5.1's Add-Type compiles with (the .NET
# Framework's csc); pwsh compiles newer C#, so that is checked with Roslyn here. On
# Windows the logon check runs for real against an account that does not exist.
BeforeDiscovery {
    $onWindows = [System.Environment]::OSVersion.Platform -eq 'Win32NT'
    $onCore = $PSVersionTable.PSEdition -eq 'Core'
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSupport.ps1')
    $CodePath = Join-Path $HostScriptsDir 'HpcFleet.Autologon.cs'
}

Describe 'HpcFleet.Autologon.cs' {
    It 'compiles with Add-Type -Path and defines the types set-autologon.ps1 calls' {
        if (-not ('HpcFleet.LsaSecret' -as [type])) { Add-Type -Path $CodePath }
        [HpcFleet.LsaSecret].GetMethod('Store') | Should -Not -BeNullOrEmpty
        [HpcFleet.LsaSecret].GetMethod('Retrieve') | Should -Not -BeNullOrEmpty
        [HpcFleet.LocalLogon].GetMethod('Check').ReturnType | Should -Be ([int])
        [HpcFleet.LocalGroup].GetMethod('GetMemberSids').ReturnType | Should -Be ([string[]])
    }

    It 'uses no C# newer than 5 (Windows PowerShell 5.1 compiles it)' -Skip:(-not $onCore) {
        $options = [Microsoft.CodeAnalysis.CSharp.CSharpParseOptions]::Default.WithLanguageVersion(
            [Microsoft.CodeAnalysis.CSharp.LanguageVersion]::CSharp5)
        $tree = [Microsoft.CodeAnalysis.CSharp.CSharpSyntaxTree]::ParseText([System.IO.File]::ReadAllText($CodePath), $options)
        $compilation = [Microsoft.CodeAnalysis.CSharp.CSharpCompilation]::Create('check', [Microsoft.CodeAnalysis.SyntaxTree[]]@($tree))
        @($compilation.GetDiagnostics() | Where-Object { $_.GetMessage() -match 'not available in C# 5' } |
                ForEach-Object { $_.ToString() }) | Should -BeNullOrEmpty
    }

    It 'the C# 5 check does find newer C# (so the test above can fail)' -Skip:(-not $onCore) {
        $options = [Microsoft.CodeAnalysis.CSharp.CSharpParseOptions]::Default.WithLanguageVersion(
            [Microsoft.CodeAnalysis.CSharp.LanguageVersion]::CSharp5)
        $tree = [Microsoft.CodeAnalysis.CSharp.CSharpSyntaxTree]::ParseText('class A { string B => $"x{1}"; }', $options)
        $compilation = [Microsoft.CodeAnalysis.CSharp.CSharpCompilation]::Create('check', [Microsoft.CodeAnalysis.SyntaxTree[]]@($tree))
        @($compilation.GetDiagnostics() | Where-Object { $_.GetMessage() -match 'not available in C# 5' }).Count | Should -Be 2
    }

    It 'lists the members of Administrators as SIDs' -Skip:(-not $onWindows) {
        if (-not ('HpcFleet.LocalGroup' -as [type])) { Add-Type -Path $CodePath }
        $members = @([HpcFleet.LocalGroup]::GetMemberSids('Administrators'))
        $members.Count | Should -BeGreaterThan 0
        $members | ForEach-Object { $_ | Should -Match '^S-1-' }
    }

    It 'says 1326 (wrong name or password) for an account that does not exist' -Skip:(-not $onWindows) {
        if (-not ('HpcFleet.LocalLogon' -as [type])) { Add-Type -Path $CodePath }
        [HpcFleet.LocalLogon]::Check('hpc-fleet-no-such-user', 'not-a-password') | Should -Be 1326
    }
}
