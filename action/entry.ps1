#Requires -Version 7.4
<#
.SYNOPSIS
    The StackOps action's entry point: the promotion itself is Invoke-StackPromotionAction, which
    reads the INPUT_* variables that action.yml maps from the step's inputs (never interpolated into
    script text), and writes the step's outputs and summary.
.PARAMETER Module
    The module to use: the one action.yml builds (out/StackOps) by default; the tests give theirs.
#>
param([string] $Module = [System.IO.Path]::Combine($PSScriptRoot, '..', 'out', 'StackOps', 'StackOps.psd1'))
$ErrorActionPreference = 'Stop'
Import-Module $Module
Invoke-StackPromotionAction
