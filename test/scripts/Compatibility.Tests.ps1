# Windows PowerShell 5.1 runs these scripts (the user-data, Packer's powershell provisioner,
# the scheduled tasks), and the suite runs under pwsh 7, which accepts more: syntax,
# cmdlets, parameters and variables that 5.1 does not have are found in the syntax tree
# here (the windows-2022 job also runs everything under 5.1 itself). And 5.1 reads a .ps1
# without a byte-order mark as ANSI: the files are ASCII, or have a BOM.
BeforeDiscovery {
    . (Join-Path $PSScriptRoot 'TestSupport.ps1')
    $files = @(Get-ChildItem -Path (Join-Path $ImageDir 'scripts'), $PSScriptRoot -Recurse -File |
            Where-Object { $_.Extension -in '.ps1', '.psm1' } | Sort-Object -Property FullName |
            ForEach-Object { @{ Name = $_.Directory.Name + '/' + $_.Name; File = $_.FullName } })
    $onPwsh7 = $PSVersionTable.PSVersion.Major -ge 7
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSupport.ps1')

    # Parameters PowerShell 7 added to cmdlets 5.1 has (from the cmdlets' documentation for
    # 5.1 and 7.x), and the parameters those cmdlets have in 5.1, so that an abbreviation is
    # read as PowerShell would read it.
    $Added = @{
        'ConvertFrom-Json'  = @('AsHashtable', 'Depth', 'NoEnumerate', 'DateKind')
        'ConvertTo-Json'    = @('AsArray', 'EnumsAsStrings', 'EscapeHandling')
        'Invoke-WebRequest' = @('SkipHttpErrorCheck', 'MaximumRetryCount', 'RetryIntervalSec', 'Authentication', 'Token',
            'AllowUnencryptedAuthentication', 'SslProtocol', 'SkipCertificateCheck', 'SkipHeaderValidation', 'NoProxy',
            'Form', 'Resume', 'PreserveAuthorizationOnRedirect', 'CustomMethod', 'HttpVersion', 'ConnectionTimeoutSeconds',
            'OperationTimeoutSeconds', 'AllowInsecureRedirect', 'PreserveHttpMethodOnRedirect', 'UnixSocket')
        'Invoke-RestMethod' = @('SkipHttpErrorCheck', 'StatusCodeVariable', 'ResponseHeadersVariable', 'FollowRelLink',
            'MaximumFollowRelLink', 'MaximumRetryCount', 'RetryIntervalSec', 'Authentication', 'Token',
            'AllowUnencryptedAuthentication', 'SslProtocol', 'SkipCertificateCheck', 'SkipHeaderValidation', 'NoProxy',
            'Form', 'Resume', 'PreserveAuthorizationOnRedirect', 'CustomMethod', 'HttpVersion', 'ConnectionTimeoutSeconds',
            'OperationTimeoutSeconds', 'AllowInsecureRedirect', 'PreserveHttpMethodOnRedirect', 'UnixSocket')
        'ForEach-Object'    = @('Parallel', 'ThrottleLimit', 'TimeoutSeconds', 'AsJob', 'UseNewRunspace')
        'Get-Content'       = @('AsByteStream')
        'Set-Content'       = @('AsByteStream')
        'Add-Content'       = @('AsByteStream')
        'Start-Sleep'       = @('Duration')
        'Split-Path'        = @('LeafBase', 'Extension')
        'Join-Path'         = @('AdditionalChildPath')
        'Get-Date'          = @('AsUTC', 'UnixTimeSeconds')
        'Sort-Object'       = @('Stable', 'Top', 'Bottom')
        'Select-Object'     = @('SkipIndex', 'CaseInsensitive')
        'Measure-Object'    = @('AllStats', 'StandardDeviation')
        'Get-Random'        = @('Shuffle')
        'Import-Module'     = @('UseWindowsPowerShell', 'SkipEditionCheck')
        'Test-Connection'   = @('TargetName', 'Ping', 'Repeat', 'MtuSize', 'Traceroute', 'TcpPort')
    }
    $InWindowsPowerShell = @{
        'ConvertFrom-Json'  = @('InputObject')
        'ConvertTo-Json'    = @('InputObject', 'Depth', 'Compress')
        'Invoke-WebRequest' = @('UseBasicParsing', 'Uri', 'WebSession', 'SessionVariable', 'Credential', 'UseDefaultCredentials',
            'CertificateThumbprint', 'Certificate', 'UserAgent', 'DisableKeepAlive', 'TimeoutSec', 'Headers',
            'MaximumRedirection', 'Method', 'Proxy', 'ProxyCredential', 'ProxyUseDefaultCredentials', 'Body', 'ContentType',
            'TransferEncoding', 'InFile', 'OutFile', 'PassThru')
    }
    $InWindowsPowerShell['Invoke-RestMethod'] = $InWindowsPowerShell['Invoke-WebRequest']
    $Aliases = @{ iwr = 'Invoke-WebRequest'; irm = 'Invoke-RestMethod'; '%' = 'ForEach-Object'; foreach = 'ForEach-Object'
        gc = 'Get-Content'; sc = 'Set-Content'; ac = 'Add-Content'; sleep = 'Start-Sleep'; sort = 'Sort-Object'
        select = 'Select-Object'; measure = 'Measure-Object'; ipmo = 'Import-Module' }
    $NewCommands = @('Test-Json', 'Get-Error', 'Join-String', 'ConvertFrom-Markdown', 'Show-Markdown', 'Remove-Alias',
        'Get-Uptime', 'Remove-Service', 'ConvertTo-CliXml', 'ConvertFrom-CliXml', 'Get-PSSubsystem', 'Get-ExperimentalFeature')
    $NewVariables = @('IsWindows', 'IsLinux', 'IsMacOS', 'IsCoreCLR', 'PSStyle', 'PSNativeCommandArgumentPassing',
        'PSNativeCommandUseErrorActionPreference')
    $NewEncodings = @('utf8NoBOM', 'utf8BOM', 'ansi')

    # What in $Text (or the file $File) Windows PowerShell 5.1 would not run: "line: what".
    function Find-WindowsPowerShellIncompatibility {
        param([string] $File = '', [string] $Text = '')
        $tokens = $null
        $errors = $null
        if ($File) {
            $ast = [System.Management.Automation.Language.Parser]::ParseFile($File, [ref]$tokens, [ref]$errors)
        } else {
            $ast = [System.Management.Automation.Language.Parser]::ParseInput($Text, [ref]$tokens, [ref]$errors)
        }
        $found = New-Object System.Collections.ArrayList
        $report = { param($Node, [string] $What) [void]$found.Add("$($Node.Extent.StartLineNumber): $What") }
        $flag = { param($Node, [string] $Property) $p = $Node.PSObject.Properties[$Property]; $p -and $p.Value }
        foreach ($node in $ast.FindAll({ $true }, $true)) {
            switch ($node.GetType().Name) {
                'TernaryExpressionAst' { & $report $node 'the ternary operator' }
                'PipelineChainAst' { & $report $node "a pipeline chain ($($node.Operator))" }
                'BinaryExpressionAst' {
                    if ("$($node.Operator)" -eq 'QuestionQuestion') { & $report $node 'the ?? operator' }
                }
                'AssignmentStatementAst' {
                    if ("$($node.Operator)" -eq 'QuestionQuestionEquals') { & $report $node 'the ??= operator' }
                }
                { $_ -in 'MemberExpressionAst', 'InvokeMemberExpressionAst', 'IndexExpressionAst' } {
                    if (& $flag $node 'NullConditional') { & $report $node 'a null-conditional ?. or ?[]' }
                }
                'PipelineAst' {
                    if (& $flag $node 'Background') { & $report $node 'the background operator &' }
                }
                'NamedBlockAst' {
                    if ("$($node.BlockKind)" -eq 'Clean') { & $report $node 'a clean block' }
                }
                'VariableExpressionAst' {
                    if ($NewVariables -contains $node.VariablePath.UserPath) { & $report $node "`$$($node.VariablePath.UserPath)" }
                }
                'ArrayExpressionAst' {
                    # In 5.1 ConvertFrom-Json sends a JSON array down the pipeline as one object,
                    # so @(... | ConvertFrom-Json) holds the whole array as its only element.
                    $pipelines = @($node.SubExpression.Statements | Where-Object { $_ -is [System.Management.Automation.Language.PipelineAst] })
                    foreach ($pipeline in $pipelines) {
                        $last = $pipeline.PipelineElements[-1]
                        if ($last -is [System.Management.Automation.Language.CommandAst] -and $last.GetCommandName() -eq 'ConvertFrom-Json') {
                            & $report $node '@(... | ConvertFrom-Json), which holds a JSON array as one element in 5.1'
                        }
                    }
                }
                'CommandAst' {
                    $name = $node.GetCommandName()
                    if (-not $name) { break }
                    if ($Aliases.ContainsKey($name)) { $name = $Aliases[$name] }
                    if ($NewCommands -contains $name) { & $report $node "$name (not in 5.1)" }
                    if ($name -eq 'ConvertFrom-Json' -and $node.Parent -is [System.Management.Automation.Language.PipelineAst]) {
                        $pipelineElements = $node.Parent.PipelineElements
                        if ($pipelineElements.IndexOf($node) -lt $pipelineElements.Count - 1) {
                            & $report $node 'ConvertFrom-Json piped on, which gets a JSON array as one object in 5.1'
                        }
                    }
                    # Not $added: that is $Added (names are case-insensitive).
                    $addedHere = $Added[$name]
                    $elements = $node.CommandElements
                    for ($i = 1; $i -lt $elements.Count; $i++) {
                        $element = $elements[$i]
                        if ($element -isnot [System.Management.Automation.Language.CommandParameterAst]) { continue }
                        $parameter = $element.ParameterName
                        if ($addedHere) {
                            $new = @($addedHere | Where-Object { $_.StartsWith($parameter, [StringComparison]::OrdinalIgnoreCase) })
                            $old = @($InWindowsPowerShell[$name] | Where-Object { $_ -and $_.StartsWith($parameter, [StringComparison]::OrdinalIgnoreCase) })
                            if ($new.Count -gt 0 -and $old.Count -eq 0) { & $report $element "$name -$($new[0]) (not in 5.1)" }
                        }
                        if ($parameter -eq 'Encoding' -and $i + 1 -lt $elements.Count -and $NewEncodings -contains $elements[$i + 1].Extent.Text.Trim('''"')) {
                            & $report $element "-Encoding $($elements[$i + 1].Extent.Text) (not in 5.1)"
                        }
                    }
                }
            }
        }
        return @($found)
    }
}

Describe '<Name>' -ForEach $files {
    It 'uses nothing Windows PowerShell 5.1 lacks' {
        Find-WindowsPowerShellIncompatibility -File $File | Should -BeNullOrEmpty
    }

    It 'is ASCII, or has a byte-order mark (5.1 reads a .ps1 without one as ANSI)' {
        $bytes = [System.IO.File]::ReadAllBytes($File)
        $bom = $bytes.Length -ge 3 -and $bytes[0] -eq 0xEF -and $bytes[1] -eq 0xBB -and $bytes[2] -eq 0xBF
        $nonAscii = @($bytes | Where-Object { $_ -gt 0x7F }).Count
        ($bom -or $nonAscii -eq 0) | Should -BeTrue -Because "$nonAscii bytes are not ASCII"
    }
}

Describe 'the Windows PowerShell 5.1 check' {
    It 'finds <What>' -Skip:(-not $onPwsh7) -ForEach @(
        @{ What = 'the ?? operator'; Text = '$a = $b ?? 1' }
        @{ What = 'the ??= operator'; Text = '$a ??= 1' }
        @{ What = 'a null-conditional ?. or ?[]'; Text = '${a}?.b' }
        @{ What = 'a null-conditional ?. or ?[]'; Text = '${a}?[0]' }
        @{ What = 'the ternary operator'; Text = '$a = $b ? 1 : 2' }
        @{ What = 'a pipeline chain (AndAnd)'; Text = 'Get-Item x && Get-Item y' }
        @{ What = 'a pipeline chain (OrOr)'; Text = 'Get-Item x || Get-Item y' }
        @{ What = 'the background operator &'; Text = 'Get-Item x &' }
        @{ What = 'ForEach-Object -Parallel (not in 5.1)'; Text = '1..2 | ForEach-Object -Parallel { $_ }' }
        @{ What = 'ConvertFrom-Json -AsHashtable (not in 5.1)'; Text = '$j | ConvertFrom-Json -AsHashtable' }
        @{ What = 'ConvertFrom-Json -Depth (not in 5.1)'; Text = 'ConvertFrom-Json -InputObject $j -Depth 5' }
        @{ What = 'Invoke-WebRequest -SkipHttpErrorCheck (not in 5.1)'; Text = 'iwr -Uri u -SkipHttp' }
        @{ What = 'Invoke-RestMethod -StatusCodeVariable (not in 5.1)'; Text = 'Invoke-RestMethod -Uri u -StatusCodeVariable s' }
        @{ What = 'Invoke-WebRequest -MaximumRetryCount (not in 5.1)'; Text = 'Invoke-WebRequest -Uri u -MaximumRetryCount 3' }
        @{ What = 'Get-Content -AsByteStream (not in 5.1)'; Text = 'Get-Content x -AsByteStream' }
        @{ What = 'Test-Json (not in 5.1)'; Text = 'Test-Json -Json $j' }
        @{ What = '$IsWindows'; Text = 'if ($IsWindows) { }' }
        @{ What = '-Encoding utf8NoBOM (not in 5.1)'; Text = 'Set-Content x -Value 1 -Encoding utf8NoBOM' }
        @{ What = '@(... | ConvertFrom-Json), which holds a JSON array as one element in 5.1'; Text = '$f = @($j | ConvertFrom-Json)' }
        @{ What = 'ConvertFrom-Json piped on, which gets a JSON array as one object in 5.1'; Text = '$j | ConvertFrom-Json | ForEach-Object { $_ }' }
    ) {
        Find-WindowsPowerShellIncompatibility -Text $Text | Should -Contain "1: $What"
    }

    It 'leaves alone what 5.1 has: <Text>' -ForEach @(
        @{ Text = 'Invoke-WebRequest -UseBasicParsing -Uri u -TimeoutSec 5 -Method Put' }
        @{ Text = 'iwr -Uri u -Ti 5' }
        @{ Text = 'ConvertTo-Json -InputObject $x -Depth 5 -Compress' }
        @{ Text = '$files = ConvertFrom-Json -InputObject $json' }
        @{ Text = '$a = if ($b) { 1 } else { 2 }' }
    ) {
        Find-WindowsPowerShellIncompatibility -Text $Text | Should -BeNullOrEmpty
    }
}
