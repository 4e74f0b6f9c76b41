# Every script the image carries parses with PowerShell's own parser, with no error at all
# (tree-sitter's grammar was read as warnings only, so a real syntax error passed).
BeforeDiscovery {
    $scriptsDir = Join-Path $PSScriptRoot '../../images/windows/scripts'
    $scripts = @(Get-ChildItem -Path $scriptsDir -Recurse -File |
            Where-Object { $_.Extension -in '.ps1', '.psm1' } |
            Sort-Object -Property FullName |
            ForEach-Object { @{ Name = $_.Name; File = $_.FullName } })
}

Describe 'the image scripts' {
    It 'are found (<Count> of them)' -ForEach @{ Count = $scripts.Count } {
        $Count | Should -BeGreaterThan 5
    }

    It '<Name> parses with no error' -ForEach $scripts {
        $tokens = $null
        $errors = $null
        [void][System.Management.Automation.Language.Parser]::ParseFile($File, [ref]$tokens, [ref]$errors)
        @($errors | ForEach-Object { '{0}:{1}: {2}' -f $_.Extent.StartLineNumber, $_.Extent.StartColumnNumber, $_.Message }) |
            Should -BeNullOrEmpty
    }
}
