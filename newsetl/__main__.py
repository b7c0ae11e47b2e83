from newsetl.cli.main import main

main()
