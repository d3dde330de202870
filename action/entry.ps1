#Requires -Version 7.4
<#
.SYNOPSIS
    The StackOps action's entry point: the promotion itself is Invoke-StackPromotionAction, which
    reads the INPUT_* variables that action.yml maps from the step's inputs (never interpolated into
    script text), and writes the step's outputs and summary.
#>
$ErrorActionPreference = 'Stop'
Import-Module ([System.IO.Path]::Combine($PSScriptRoot, '..', 'out', 'StackOps', 'StackOps.psd1'))
Invoke-StackPromotionAction
