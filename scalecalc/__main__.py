from scalecalc.cli import main

main()
